// Stand-in for the project's backend/events.js.
module.exports = {};

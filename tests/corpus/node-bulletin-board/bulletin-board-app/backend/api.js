// Stand-in for the project's backend/api.js.
module.exports = {};

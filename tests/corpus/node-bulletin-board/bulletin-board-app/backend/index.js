// Stand-in for the project's backend/index.js.
module.exports = {};

// Stand-in for the project's db/index.js.
module.exports = {};

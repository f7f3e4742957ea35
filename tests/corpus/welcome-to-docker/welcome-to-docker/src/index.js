// Stand-in for the project's src/index.js.
module.exports = {};

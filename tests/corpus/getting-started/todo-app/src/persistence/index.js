// Stand-in for the project's src/persistence/index.js.
module.exports = {};

// Stand-in for the project's src/persistence/sqlite.js.
module.exports = {};

// Stand-in for the project's spec/persistence/sqlite.spec.js.
module.exports = {};

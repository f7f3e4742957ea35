// Stand-in for the project's src/persistence/mysql.js.
module.exports = {};

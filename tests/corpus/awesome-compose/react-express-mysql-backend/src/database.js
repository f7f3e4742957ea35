// Stand-in for the project's src/database.js.
module.exports = {};

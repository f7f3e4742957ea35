// Stand-in for the project's src/main.js.
module.exports = {};

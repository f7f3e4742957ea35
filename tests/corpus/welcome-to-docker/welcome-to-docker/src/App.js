// Stand-in for the project's src/App.js.
module.exports = {};

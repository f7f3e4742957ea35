// Stand-in for the project's src/App.test.js.
module.exports = {};

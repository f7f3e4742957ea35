// Stand-in for the project's src/setupTests.js.
module.exports = {};

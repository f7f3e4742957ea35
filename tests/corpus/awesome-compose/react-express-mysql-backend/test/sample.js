// Stand-in for the project's test/sample.js.
module.exports = {};

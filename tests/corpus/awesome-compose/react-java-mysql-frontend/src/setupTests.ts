// Stand-in for the project's src/setupTests.ts.
module.exports = {};

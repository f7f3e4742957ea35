// Stand-in for the project's src/test.ts.
module.exports = {};

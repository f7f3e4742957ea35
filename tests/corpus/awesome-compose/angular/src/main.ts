// Stand-in for the project's src/main.ts.
module.exports = {};

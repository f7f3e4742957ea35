// Stand-in for the project's src/polyfills.ts.
module.exports = {};

// Stand-in for the project's src/App.test.tsx.
module.exports = {};

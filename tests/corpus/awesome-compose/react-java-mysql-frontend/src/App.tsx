// Stand-in for the project's src/App.tsx.
module.exports = {};

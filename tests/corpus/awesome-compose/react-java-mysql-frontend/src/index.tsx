// Stand-in for the project's src/index.tsx.
module.exports = {};

// Stand-in for the project's src/react-app-env.d.ts.
module.exports = {};

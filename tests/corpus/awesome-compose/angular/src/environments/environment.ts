// Stand-in for the project's src/environments/environment.ts.
module.exports = {};

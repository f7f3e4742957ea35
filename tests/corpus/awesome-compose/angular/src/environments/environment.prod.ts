// Stand-in for the project's src/environments/environment.prod.ts.
module.exports = {};

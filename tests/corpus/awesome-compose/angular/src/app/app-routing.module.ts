// Stand-in for the project's src/app/app-routing.module.ts.
module.exports = {};

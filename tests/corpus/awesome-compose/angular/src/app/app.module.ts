// Stand-in for the project's src/app/app.module.ts.
module.exports = {};

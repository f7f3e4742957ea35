// Stand-in for the project's src/app/app.component.ts.
module.exports = {};

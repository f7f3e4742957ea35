// Stand-in for the project's src/app/app.component.spec.ts.
module.exports = {};

// Stand-in for the project's app.js.
module.exports = {};

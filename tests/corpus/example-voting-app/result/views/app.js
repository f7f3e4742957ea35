// Stand-in for the project's views/app.js.
module.exports = {};

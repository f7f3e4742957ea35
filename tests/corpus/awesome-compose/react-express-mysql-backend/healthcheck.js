// Stand-in for the project's healthcheck.js.
module.exports = {};

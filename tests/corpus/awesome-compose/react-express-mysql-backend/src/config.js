// Stand-in for the project's src/config.js.
module.exports = {};

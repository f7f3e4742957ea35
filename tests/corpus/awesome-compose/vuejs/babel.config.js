// Stand-in for the project's babel.config.js.
module.exports = {};

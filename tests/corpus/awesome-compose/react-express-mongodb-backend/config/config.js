// Stand-in for the project's config/config.js.
module.exports = {};

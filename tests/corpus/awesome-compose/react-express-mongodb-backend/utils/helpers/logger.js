// Stand-in for the project's utils/helpers/logger.js.
module.exports = {};

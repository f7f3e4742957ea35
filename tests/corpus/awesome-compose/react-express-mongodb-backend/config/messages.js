// Stand-in for the project's config/messages.js.
module.exports = {};

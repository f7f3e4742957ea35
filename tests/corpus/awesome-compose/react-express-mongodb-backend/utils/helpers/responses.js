// Stand-in for the project's utils/helpers/responses.js.
module.exports = {};

// Stand-in for the project's tests/render.js.
module.exports = {};

// Stand-in for the project's wwwroot/js/site.js.
module.exports = {};

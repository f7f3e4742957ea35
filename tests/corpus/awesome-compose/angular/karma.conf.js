// Stand-in for the project's karma.conf.js.
module.exports = {};

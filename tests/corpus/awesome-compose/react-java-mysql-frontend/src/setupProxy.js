// Stand-in for the project's src/setupProxy.js.
module.exports = {};

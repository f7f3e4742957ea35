// Stand-in for the project's src/routes/getItems.js.
module.exports = {};

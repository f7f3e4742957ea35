// Stand-in for the project's src/routes/updateItem.js.
module.exports = {};

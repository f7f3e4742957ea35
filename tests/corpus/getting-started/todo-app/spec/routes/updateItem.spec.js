// Stand-in for the project's spec/routes/updateItem.spec.js.
module.exports = {};

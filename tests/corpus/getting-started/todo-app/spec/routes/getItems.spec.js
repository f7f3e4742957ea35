// Stand-in for the project's spec/routes/getItems.spec.js.
module.exports = {};

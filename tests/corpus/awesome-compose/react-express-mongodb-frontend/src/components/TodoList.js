// Stand-in for the project's src/components/TodoList.js.
module.exports = {};

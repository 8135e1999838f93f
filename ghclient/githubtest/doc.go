// Package githubtest is a small in-memory GitHub REST API for tests: issue
// comments (list with Link paging, get, create, edit) and the pull requests
// of a commit, served over real HTTP under /api/v3/.
//
// Comments it creates are written by githubtest.BotLogin, a "Bot" account,
// as GITHUB_TOKEN's are; comments added with AddComment can be written by
// anyone, to test that only bots are trusted.
package githubtest

// Package githubtest is a small in-memory GitHub REST API for tests: issue
// comments (list with Link paging, get, create, edit) and the pull requests
// of a commit, served over real HTTP under /api/v3/.
//
// Comments it creates are written by the token's Account: BotLogin, as
// the job's GITHUB_TOKEN's are, unless SetAccount makes the token a
// personal access token or a GitHub App's; GET /user, the GraphQL viewer
// (/api/graphql) and GET /app answer as GitHub does for each kind.
// Comments added with AddComment can be written by anyone, to test that
// only the token's own account is trusted.
package githubtest

"""What each page shows, shaped for its template from the domain apps' selectors and rules.
View-models read in a fixed number of queries and decide nothing the domain apps decide."""

// Globals the explorer's sources share.

// What the page shows tests and the benchmark of its state.
interface Window {
  explorer: any;
}

// The page's elements are looked up by id and used as what the page made them (an input, a
// dialog, a canvas): the lookups are typed loosely rather than cast at every use.
interface Document {
  getElementById(elementId: string): any;
}
interface ParentNode {
  querySelector(selectors: string): any;
}

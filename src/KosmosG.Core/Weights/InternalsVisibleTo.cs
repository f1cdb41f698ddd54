using System.Runtime.CompilerServices;

// Lets the weights tests drive the chunked copy paths with tiny chunk sizes (real chunks are 1 GiB).
[assembly: InternalsVisibleTo("KosmosG.Core.Tests")]

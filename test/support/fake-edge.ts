/** The fake CloudFront edge lives with the demo (demo/fake-edge.ts), which shows the edge check with it. */
export * from '../../demo/fake-edge';

// Uses a lot of memory for a moment. With the default 128 MB it fails with Runtime.OutOfMemory,
// as it would on AWS; with `-m 512` it passes and Max Memory Used shows the true peak.
export const handler = async (event) => {
  const buffer = Buffer.alloc((event.megabytes ?? 200) * 1024 * 1024, 1);
  return { allocatedMb: buffer.length / 1024 / 1024 };
};

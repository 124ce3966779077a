/** What every operations command shares: a connected client, and output for people or for machines. */
import { VideoClient } from '../client';

/** Print `value` as JSON, or as the lines `human` makes of it. */
export function output<T>(json: boolean | undefined, value: T, human: (value: T) => string[]): void {
  console.log(json ? JSON.stringify(value, null, 2) : human(value).join('\n'));
}

/** Connect, act, and close the connection whatever happens. */
export async function withClient<T>(action: (videos: VideoClient) => Promise<T>): Promise<T> {
  const videos = await VideoClient.connect();
  try {
    return await action(videos);
  } finally {
    await videos.client.connection.close();
  }
}

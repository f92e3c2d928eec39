import { styleText } from "util";

/** Colours and a progress line for `check`: colour only on a terminal (and never with NO_COLOR); progress only on a TTY stderr, so CI logs stay plain. */

export interface Style {
    bold(s: string): string;
    dim(s: string): string;
    red(s: string): string;
    yellow(s: string): string;
    green(s: string): string;
    cyan(s: string): string;
}

type Format = Parameters<typeof styleText>[0];

// colorEnabled decides once (flag, TTY, NO_COLOR); styleText must not second-guess it per call.
const sgr = (on: boolean, format: Format) => (s: string) => (on ? styleText(format, s, { validateStream: false }) : s);

export function style(enabled: boolean): Style {
    return {
        bold: sgr(enabled, "bold"),
        dim: sgr(enabled, "dim"),
        red: sgr(enabled, "red"),
        yellow: sgr(enabled, "yellow"),
        green: sgr(enabled, "green"),
        cyan: sgr(enabled, "cyan"),
    };
}

/** Colour when asked, else when stdout is a terminal and NO_COLOR is unset (https://no-color.org). */
export function colorEnabled(
    explicit: boolean | undefined,
    stream: NodeJS.WriteStream = process.stdout,
    env: NodeJS.ProcessEnv = process.env,
): boolean {
    if (explicit !== undefined) return explicit;
    return Boolean(stream.isTTY) && !env.NO_COLOR && env.TERM !== "dumb";
}

export interface Progress {
    /** Replaces the status text (throttled). */
    update(text: string): void;
    /** Clears the line; later output starts at column 0. */
    done(): void;
}

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/** A one-line spinner on stderr when it is a terminal; a no-op otherwise. */
export function progress(stream: NodeJS.WriteStream = process.stderr): Progress {
    if (!stream.isTTY) return { update: () => undefined, done: () => undefined };
    let text = "";
    let frame = 0;
    let shown = false;
    const draw = () => {
        shown = true;
        stream.write(`\r\x1b[2K${FRAMES[frame++ % FRAMES.length]} ${text}`);
    };
    const timer = setInterval(draw, 80);
    timer.unref();
    return {
        update(t) {
            text = t;
        },
        done() {
            clearInterval(timer);
            if (shown) stream.write("\r\x1b[2K");
        },
    };
}

import { cleanup, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { clearMocks, mockIPC, mockWindows } from "@tauri-apps/api/mocks";

import { renderApp } from "@/test/render-app";

const APP_INFO = {
  name: "BrightRun",
  version: "0.1.0",
  environment: "test",
  identifier: "app.brightrun.desktop.test",
  dataDir: "/tmp/brightrun-test",
};

beforeEach(() => {
  // The shell listens to job, import and drag-and-drop events of its window: give it one, and mocked events.
  mockWindows("main");
  mockIPC(
    (cmd) => {
      if (cmd === "app_info") return APP_INFO;
      throw new Error(`unexpected command ${cmd}`);
    },
    { shouldMockEvents: true },
  );
});

// Unmount first: the shell's event listeners unregister through the mocks, which must still be there.
afterEach(() => {
  cleanup();
  clearMocks();
});

describe("AppShell", () => {
  it("shows the Dashboard with the app info from the app_info command", async () => {
    renderApp("/");
    expect(screen.getByRole("heading", { level: 1, name: "Dashboard" })).toBeInTheDocument();
    expect(screen.getByTestId("breadcrumb-current")).toHaveTextContent("Dashboard");
    expect(await screen.findByTestId("app-version")).toHaveTextContent("0.1.0");
    expect(screen.getByTestId("app-data-dir")).toHaveTextContent("/tmp/brightrun-test");
    expect(screen.getByText("app.brightrun.desktop.test")).toBeInTheDocument();
  });

  it("navigates to every page from the sidebar and updates the breadcrumb", async () => {
    const user = userEvent.setup();
    renderApp("/");
    const sidebar = screen.getByTestId("sidebar");
    for (const [id, label] of [
      ["datasets", "Datasets"],
      ["training", "Training"],
      ["models", "Models"],
      ["costs", "Costs"],
      ["settings", "Settings"],
      ["dashboard", "Dashboard"],
    ] as const) {
      await user.click(within(sidebar).getByTestId(`nav-${id}`));
      expect(screen.getByTestId(`page-${id}`)).toBeInTheDocument();
      expect(screen.getByTestId("breadcrumb-current")).toHaveTextContent(label);
      expect(within(sidebar).getByTestId(`nav-${id}`)).toHaveAttribute("aria-current", "page");
    }
  });

  it("collapses the sidebar to icons, keeps links named, and remembers the choice", async () => {
    const user = userEvent.setup();
    const { unmount } = renderApp("/");
    const sidebar = screen.getByTestId("sidebar");
    expect(within(sidebar).getByText("Datasets")).toBeInTheDocument();

    await user.click(screen.getByTestId("sidebar-toggle"));
    expect(sidebar).toHaveAttribute("data-collapsed", "true");
    expect(within(sidebar).queryByText("Datasets")).not.toBeInTheDocument();
    expect(within(sidebar).getByRole("link", { name: "Datasets" })).toBeInTheDocument();

    unmount();
    renderApp("/");
    expect(screen.getByTestId("sidebar")).toHaveAttribute("data-collapsed", "true");
    await user.keyboard("{Control>}b{/Control}");
    expect(screen.getByTestId("sidebar")).toHaveAttribute("data-collapsed", "false");
  });

  it("switches between light and dark with the header toggle", async () => {
    const user = userEvent.setup();
    renderApp("/");
    expect(document.documentElement).not.toHaveClass("dark");
    await user.click(screen.getByTestId("theme-toggle"));
    expect(document.documentElement).toHaveClass("dark");
    expect(window.localStorage.getItem("brightrun-theme")).toBe("dark");
    await user.click(screen.getByTestId("theme-toggle"));
    expect(document.documentElement).not.toHaveClass("dark");
  });

  it("shows a command error's message instead of the info", async () => {
    clearMocks();
    mockWindows("main");
    mockIPC(
      (cmd) => {
        if (cmd === "app_info") {
          throw { code: "data_dir_unavailable", message: "The data folder /gone is missing or is not a folder." };
        }
        throw new Error(`unexpected command ${cmd}`);
      },
      { shouldMockEvents: true },
    );
    renderApp("/");
    const card = screen.getByTestId("app-info");
    await waitFor(() => expect(within(card).getByRole("alert")).toHaveTextContent("/gone is missing"));
  });

  it("shows a way back on an unknown page", () => {
    renderApp("/nowhere");
    expect(screen.getByText("This page does not exist")).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Back to the Dashboard" })).toHaveAttribute("href", "/");
  });
});
